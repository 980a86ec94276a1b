"""Uploaded files (Wagtail documents, images and renditions): stored where nothing serves
them, downloaded only through a view that checks who may see them (security finding 8)."""
