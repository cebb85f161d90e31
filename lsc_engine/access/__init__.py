"""Who may see and do what: roles and permissions, identity-provider tokens, redaction of confidential content."""
