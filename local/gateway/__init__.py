"""API Gateway and its Cognito authorizer: HTTP in, the REST proxy event to the function, its result out."""
