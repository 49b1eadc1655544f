/* eport.h: libeport, the library behind the eport-* commands, all of it:
 * one header per concern, a section in each per file of lib/.  Library
 * functions return an error (and leave a message in eport_errbuf where they
 * have more to say) and never print or exit; only commands do. */
#ifndef EPORT_H
#define EPORT_H

#include "base.h"
#include "record.h"
#include "store.h"
#include "audit.h"
#include "types.h"
#include "ids.h"
#include "cal.h"
#include "rules.h"
#include "tlv.h"
#include "card.h"
#include "vcard.h"

#endif
