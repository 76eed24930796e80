from journal.comments.thread import Comment, comment, comments_on

__all__ = ["Comment", "comment", "comments_on"]
