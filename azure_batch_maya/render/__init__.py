"""From a scene and its assets to what runs on a render node: commands, path mapping, jobs."""
