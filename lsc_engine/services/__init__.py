"""The use cases the API and the command line call: submissions, the committee workflow, tokens and sign-ins."""
