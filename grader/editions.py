"""Where each network is in the book's two editions: the Chinese one the kit follows, and the English one.

The kit's sections, tables and code follow the Chinese edition,
《动手学深度学习》(第二版, zh.d2l.ai). The English edition, *Dive into Deep
Learning* (d2l.ai), has the same networks one chapter later and writes them
in another style (lazy layers, ``d2l.Classifier`` subclasses): see ``STYLE``.
"""
from __future__ import annotations

from dataclasses import dataclass

ZH_SITE, EN_SITE = "https://zh.d2l.ai", "https://d2l.ai"
ZH_TITLE, EN_TITLE = "《动手学深度学习》", "Dive into Deep Learning"


@dataclass(frozen=True)
class Section:
    zh: str            # section number in the Chinese edition (the kit's)
    en: str            # section number in the English edition
    page: str          # the page's path, the same on both sites

    @property
    def zh_url(self) -> str:
        return f"{ZH_SITE}/{self.page}"

    @property
    def en_url(self) -> str:
        return f"{EN_SITE}/{self.page}"


SECTIONS: dict[str, Section] = {
    "lenet": Section("6.6", "7.6", "chapter_convolutional-neural-networks/lenet.html"),
    "batch_norm": Section("7.5", "8.5", "chapter_convolutional-modern/batch-norm.html"),
    "alexnet": Section("7.1", "8.1", "chapter_convolutional-modern/alexnet.html"),
    "vgg": Section("7.2", "8.2", "chapter_convolutional-modern/vgg.html"),
    "nin": Section("7.3", "8.3", "chapter_convolutional-modern/nin.html"),
    "googlenet": Section("7.4", "8.4", "chapter_convolutional-modern/googlenet.html"),
    "resnet": Section("7.6", "8.6", "chapter_convolutional-modern/resnet.html"),
    "batch_norm_scratch": Section("7.5", "8.5", "chapter_convolutional-modern/batch-norm.html"),
    "densenet": Section("7.7", "8.7", "chapter_convolutional-modern/densenet.html"),
}

# What a student reading the English edition needs to know (stub docstrings, READMEs), as wrapped lines.
STYLE = (
    "The English edition writes these networks with lazy layers (``nn.LazyConv2d``,",
    "``nn.LazyLinear``), kept in ``self.net`` of ``d2l.Classifier`` subclasses. Both",
    "are accepted: a builder may return the ``nn.Sequential``, or an object of your",
    "own ``nn.Module`` subclass that holds it in ``self.net`` and whose ``forward``",
    "returns ``self.net(X)`` (the ``d2l`` package is not installed). Keep the stubs'",
    "names and arguments.",
)
STYLE_ZH = (
    "英文版用惰性层（``nn.LazyConv2d``、``nn.LazyLinear``）编写这些网络，放在 ``d2l.Classifier``",
    "子类的 ``self.net`` 中。两种写法都可以：构建函数可以返回 ``nn.Sequential``，也可以返回",
    "你自己的 ``nn.Module`` 子类的对象（把网络放在 ``self.net`` 中，``forward`` 返回",
    "``self.net(X)``；环境中没有 ``d2l`` 包）。请保留存根中的函数名和参数。",
)


def book_lines(module: str) -> list[str]:
    """Docstring lines naming the module's section in both editions, with their pages."""
    s = SECTIONS[module]
    return ["The book / 书中章节:",
            f"    {ZH_TITLE}{s.zh}节 (Chinese edition; the kit follows it):",
            f"        {s.zh_url}",
            f"    {EN_TITLE} {s.en} (English edition):",
            f"        {s.en_url}"]
