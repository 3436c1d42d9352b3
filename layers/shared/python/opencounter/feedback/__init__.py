"""What customers think: one question after a journey they finished (a move, a payment, a sign-up,
a dispute), at most one a week, and the figures every score adds to, per journey and channel."""
