"""gongkai: validate 双随机、一公开 exports and publish them as a static site and open data."""

__version__ = "0.1.0"
