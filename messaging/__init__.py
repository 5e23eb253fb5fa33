"""How replies reach customers and how their answers come back: channels
(chat callback, e-mail), delivery states and inbound e-mail."""
