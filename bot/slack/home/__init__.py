"""App Home: recent analyses, the pipeline, what works, my targets, paid sources, watches."""
