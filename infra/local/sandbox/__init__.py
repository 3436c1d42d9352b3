"""Stand-ins for outside providers, served by the local cloud. Each speaks its provider's wire
protocol (requests, responses, signed webhooks), so our adapters run unchanged against them."""
