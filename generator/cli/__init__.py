"""The command line: the gongkai commands, Click in Chinese; may import every stage."""
