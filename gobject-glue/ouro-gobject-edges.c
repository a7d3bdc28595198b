/* ouro-gobject-edges.c — being written. */
#include "config.h"

#include "ouro-gobject-private.h"
