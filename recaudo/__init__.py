"""Recaudo: friendly omnichannel collections."""
