"""What operators watch (issue 15, docs/operations.md « What operators watch »): a request id in
every log line and in the tasks a request enqueues, JSON logs, Prometheus metrics and error
reports to a Sentry-compatible server with personal data removed."""
