"""One module per channel; each has one class implementing ``base.Channel``."""
