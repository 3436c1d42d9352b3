"""Ideas: customers propose ideas about a product or the service, vote, comment and follow; product
owners answer them and move them through their statuses, and every follower is told."""
