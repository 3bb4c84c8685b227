"""The terminal chat: the same answers as the bot, one question per line."""
from __future__ import annotations

from typing import TextIO

from index import Engine, KizunaError

from .phrases import phrase
from .render import render_answer, render_documents
from .settings import Settings
from .small_talk import GREETING, THANKS, small_talk, small_talk_language

HELP = """Ask a question about the documents and Kizuna quotes the sentence that answers it.
  /sources   the indexed documents
  /help      this text
  /quit      leave (or Ctrl-D)"""


def run_chat(engine: Engine, settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    interactive = stdin.isatty()
    docs = engine.documents()
    print(f"Kizuna: ask me about {len(docs)} document(s). /help for commands, /quit to leave.", file=stdout)
    while True:
        if interactive:
            print("you> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            if interactive:
                print(file=stdout)
            return 0
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit", "quit", "exit"):
            return 0
        talk = small_talk(text)
        if text == "/help" or talk == GREETING:
            examples = "".join(f"\n  e.g. {q}" for q in engine.example_questions(3))
            print((phrase("hello", small_talk_language(text)) + " " if talk else "") + HELP + examples, file=stdout)
        elif talk == THANKS:
            print(phrase("welcome.chat", small_talk_language(text)), file=stdout)
        elif text == "/sources":
            print(render_documents(engine.documents(), engine.model_name, engine.built_at), file=stdout)
        else:
            try:
                answer = engine.ask(text, k=settings.alternatives)
                print(render_answer(answer, color=interactive), file=stdout)
            except KizunaError as err:
                print(f"Sorry: {err}.", file=stdout)
        print(file=stdout, flush=True)
