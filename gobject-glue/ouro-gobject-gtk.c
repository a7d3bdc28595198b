/* ouro-gobject-gtk.c — being written. */
#include "config.h"

#include "ouro-gobject-private.h"
