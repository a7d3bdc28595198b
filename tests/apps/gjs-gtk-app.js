// gjs-gtk-app.js — an unmodified GJS GTK 4 program for `ouro run` tests:
// it never imports or loads Ouro.
//
// Main thread only (GTK).  Usage: gjs -m gjs-gtk-app.js [wait] (an ES
// module, as GJS applications are written since 1.68).  The same program
// as py-gtk-app.py: a Gtk.Application whose window holds a JavaScript
// subclass of a GTK widget (a panel with a Save button whose "clicked"
// signal calls a method), a Gio.ListStore of JavaScript-defined GObjects
// shown in a Gtk.ListView.  Once the window is mapped, a timeout clicks the
// button and closes the window; the application then quits and the
// program exits 0.
//   wait  instead of the timeout, print "ready" once the window is mapped
//         and click and close only when stdin reaches end of file, so that
//         a test can ask for a report (SIGUSR1) while the window is up
// Nothing leaks.  GJS holds the GObjects its wrappers stand for with toggle
// references while the JavaScript engine runs; it drops them all when it
// disposes of its context, before the program exits.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk?version=4.0';
import system from 'system';

// A list item defined in JavaScript: a GObject type registered by GJS.
const Note = GObject.registerClass({
    GTypeName: 'JsNote',
    Properties: {
        'title': GObject.ParamSpec.string('title', 'Title', 'The note title',
            GObject.ParamFlags.READWRITE, ''),
    },
}, class Note extends GObject.Object {});

// A JavaScript subclass of a GTK widget with a button inside.
const SavePanel = GObject.registerClass({
    GTypeName: 'JsSavePanel',
}, class SavePanel extends Gtk.Box {
    _init(notes) {
        super._init({orientation: Gtk.Orientation.VERTICAL, spacing: 6});
        this.saved = 0;
        this.notes = notes;

        const factory = new Gtk.SignalListItemFactory();
        factory.connect('setup', (_factory, item) => item.set_child(new Gtk.Label()));
        factory.connect('bind', (_factory, item) => item.get_child().set_label(item.get_item().title));
        this.listView = new Gtk.ListView({model: new Gtk.NoSelection({model: notes}), factory});
        this.append(this.listView);

        // A method bound to this panel as the handler: the closure holds the
        // JavaScript wrapper, the wrapper holds the panel (GJS's toggle
        // reference).
        this.button = new Gtk.Button({label: 'Save'});
        this.button.connect('clicked', this._onSaveClicked.bind(this));
        this.append(this.button);
    }

    _onSaveClicked() {
        this.saved++;
        this.notes.append(new Note({title: `saved ${this.saved}`}));
    }
});

const NotesApp = GObject.registerClass(
class NotesApp extends Gtk.Application {
    _init(wait) {
        // Not unique: two runs at once (parallel tests on one session bus)
        // must not hand their activation over to each other.
        super._init({
            application_id: 'org.ouro.GjsGtkApp',
            flags: Gio.ApplicationFlags.NON_UNIQUE,
        });
        this.wait = wait;
        this.window = null;
        this.panel = null;
        this.stdin = null;
    }

    vfunc_activate() {
        const notes = new Gio.ListStore({item_type: Note});
        for (const title of ['groceries', 'ideas', 'todo'])
            notes.append(new Note({title}));

        this.panel = new SavePanel(notes);
        this.window = new Gtk.ApplicationWindow({application: this, title: 'ouro gjs test'});
        this.window.set_child(this.panel);
        this.window.connect('map', () => this._onMap());
        this.window.present();
    }

    _onMap() {
        if (this.wait) {
            print('ready');
            this.stdin = new Gio.UnixInputStream({fd: 0, close_fd: false});
            this.stdin.read_bytes_async(1, GLib.PRIORITY_DEFAULT, null, (stdin, result) => {
                stdin.read_bytes_finish(result);
                this._clickAndClose();
            });
        } else {
            // Let the window draw once, then use it and close it: closing
            // the application's last window makes run () return.
            GLib.timeout_add(GLib.PRIORITY_DEFAULT, 200, () => {
                this._clickAndClose();
                return GLib.SOURCE_REMOVE;
            });
        }
    }

    _clickAndClose() {
        this.panel.button.emit('clicked');
        this.window.close();
    }
});

const args = ARGV.join(' ');
if (args !== '' && args !== 'wait') {
    printerr('usage: gjs -m gjs-gtk-app.js [wait]');
    system.exit(2);
}
const app = new NotesApp(args === 'wait');
let status = app.run([system.programInvocationName]);
if (app.panel === null || app.panel.saved !== 1 || app.panel.notes.get_n_items() !== 4) {
    printerr('gjs-gtk-app: the window was never used');
    status = 1;
}
system.exit(status);
