"""The input side: listing a folder or URL, reading files safely, staged parts."""
