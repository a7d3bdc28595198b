# py-gtk-app.py — an unmodified PyGObject GTK 4 program for `ouro run`
# tests: it never imports or loads Ouro.
#
# Main thread only (GTK).  Usage: /usr/bin/python3 py-gtk-app.py [wait].
# Written the way PyGObject applications are: a Gtk.Application whose
# window holds a Python subclass of a GTK widget (a panel with a Save button
# whose "clicked" signal calls a bound method), a Gio.ListStore of
# Python-defined GObjects shown in a Gtk.ListView.  Once the window is
# mapped, a timeout clicks the button and closes the window; the
# application then quits and the program exits 0.
#   wait  instead of the timeout, print "ready" once the window is mapped
#         and click and close only when stdin reaches end of file, so that
#         a test can ask for a report (SIGUSR1) while the window is up
# Nothing leaks.  PyGObject holds the Python subclasses' objects (the panel,
# the notes) with toggle references while their wrappers live, and some
# wrappers outlive the interpreter: the panel's and its notes' are still
# there when the program exits.
import sys

import gi

gi.require_version('Gtk', '4.0')
from gi.repository import Gio, GLib, GObject, Gtk  # noqa: E402


class Note(GObject.Object):
    """A list item defined in Python: a GObject type registered by PyGObject."""

    __gtype_name__ = 'PyNote'

    title = GObject.Property(type=str, default='')

    def __init__(self, title):
        super().__init__(title=title)


class SavePanel(Gtk.Box):
    """A Python subclass of a GTK widget with a button inside."""

    __gtype_name__ = 'PySavePanel'

    def __init__(self, notes):
        super().__init__(orientation=Gtk.Orientation.VERTICAL, spacing=6)
        self.saved = 0
        self.notes = notes

        factory = Gtk.SignalListItemFactory()
        factory.connect('setup', self.on_setup)
        factory.connect('bind', self.on_bind)
        self.list_view = Gtk.ListView(model=Gtk.NoSelection(model=notes), factory=factory)
        self.append(self.list_view)

        # A bound method as the handler: the closure holds the Python
        # wrapper, the wrapper holds the panel (PyGObject's toggle reference).
        self.button = Gtk.Button(label='Save')
        self.button.connect('clicked', self.on_save_clicked)
        self.append(self.button)

    def on_setup(self, factory, item):
        item.set_child(Gtk.Label())

    def on_bind(self, factory, item):
        item.get_child().set_label(item.get_item().title)

    def on_save_clicked(self, button):
        self.saved += 1
        self.notes.append(Note(f'saved {self.saved}'))


class NotesApp(Gtk.Application):
    def __init__(self, wait):
        # Not unique: two runs at once (parallel tests on one session bus)
        # must not hand their activation over to each other.
        super().__init__(application_id='org.ouro.PyGtkApp',
                         flags=Gio.ApplicationFlags.NON_UNIQUE)
        self.wait = wait
        self.window = None
        self.panel = None
        self.stdin = None

    def do_activate(self):
        notes = Gio.ListStore(item_type=Note)
        for title in ('groceries', 'ideas', 'todo'):
            notes.append(Note(title))

        self.panel = SavePanel(notes)
        self.window = Gtk.ApplicationWindow(application=self, title='ouro py test')
        self.window.set_child(self.panel)
        self.window.connect('map', self.on_map)
        self.window.present()

    def on_map(self, window):
        if self.wait:
            print('ready', flush=True)
            self.stdin = Gio.UnixInputStream.new(sys.stdin.fileno(), False)
            self.stdin.read_bytes_async(1, GLib.PRIORITY_DEFAULT, None, self.on_stdin_read)
        else:
            # Let the window draw once, then use it and close it: closing
            # the application's last window makes run () return.
            GLib.timeout_add(200, self.click_and_close)

    def on_stdin_read(self, stdin, result):
        stdin.read_bytes_finish(result)
        self.click_and_close()

    def click_and_close(self):
        self.panel.button.emit('clicked')
        self.window.close()
        return GLib.SOURCE_REMOVE


def main():
    if sys.argv[1:] not in ([], ['wait']):
        print('usage: py-gtk-app.py [wait]', file=sys.stderr)
        return 2
    app = NotesApp(wait=sys.argv[1:] == ['wait'])
    status = app.run(sys.argv[:1])
    if app.panel is None or app.panel.saved != 1 or app.panel.notes.get_n_items() != 4:
        print('py-gtk-app: the window was never used', file=sys.stderr)
        return 1
    return status


if __name__ == '__main__':
    sys.exit(main())
