/* ouro-gobject-tracking.c — being written. */
#include "config.h"

#include "ouro-gobject-private.h"
