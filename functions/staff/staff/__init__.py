"""The staff function: the staff API (API.md, "Staff") behind the Cognito authorizer."""
