"""Which files a render needs, where each is on this machine, and where it goes on a node."""
