"""Contact channels: phone, chat, messaging, e-mail and social."""
