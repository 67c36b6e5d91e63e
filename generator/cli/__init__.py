"""The command line: the gongkai commands and Click in Chinese; may import every stage."""
