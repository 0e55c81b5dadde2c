"""E-mail to creators: composing a message (:mod:`.compose`) and SMTP delivery (:mod:`.smtp`)."""
