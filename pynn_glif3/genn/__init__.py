"""GeNN 5 support for GLIF3Alpha: code snippets (``snippets``) and a g++ harness (``harness``)."""
