"""What every HTTP function shares: the resolver, request guards, error answers."""
