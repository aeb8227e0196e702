"""The console's pages, by what they work on."""
