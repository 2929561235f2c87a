"""Work off Slicer's GUI thread: a thread runs it, progress goes through a queue, the widget's QTimer collects both.

Qt-free (the GUI thread polls; nothing here touches MRML), so pytest runs it as it runs in Slicer.
"""
import queue
import threading


class BackgroundJob:
    """Work on a thread; progress messages through a queue; the widget's QTimer collects both."""

    def __init__(self, work):
        self.cancel_event = threading.Event()
        self.messages = queue.Queue()
        self.result = None
        self.error = None
        self._thread = threading.Thread(target=self._run, args=(work,), name="RenalAnalysis", daemon=True)
        self._thread.start()

    def _run(self, work):
        try:
            self.result = work(self)
        except Exception as error:  # noqa: BLE001 - shown to the user by the GUI thread
            self.error = error

    def report(self, stage, fraction, text):
        self.messages.put((fraction, text))

    @property
    def finished(self):
        return not self._thread.is_alive()
