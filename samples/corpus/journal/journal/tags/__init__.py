from journal.tags.labels import tag, tagged, tags_of

__all__ = ["tag", "tagged", "tags_of"]
