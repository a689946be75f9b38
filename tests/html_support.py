"""Reading rendered pages in tests: the element ids a page repeats."""
from collections import Counter
from html.parser import HTMLParser


class IdCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids[value] += 1


def duplicate_ids(html: str) -> list[str]:
    """The `id` values that occur on more than one element (labels and ARIA references break)."""
    collector = IdCollector()
    collector.feed(html)
    collector.close()
    return sorted(value for value, count in collector.ids.items() if count > 1)
