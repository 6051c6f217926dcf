"""Case workflows: thin orchestration around the deciders in `domain/`."""
