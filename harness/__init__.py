"""What tests and benchmarks share: the project's servers started as real processes (as `make run`
starts them), a TCP relay that can cut a database connection, a loopback stand-in of the
Telegram Bot API, and headless Chromium."""
