"""What is on sale: the products and plans of each catalogue version, and the contract terms."""
