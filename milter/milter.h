/*
 * NAME
 *	milter 3h
 * SUMMARY
 *	surel-milter's libmilter callbacks
 * SYNOPSIS
 *	#include "milter.h"
 *
 *	void	milter_setup(const struct policy_rules *pr, int log_timing);
 *	extern struct smfiDesc milter_desc;
 * DESCRIPTION
 *	milter_setup() keeps a copy of the rules (immutable afterwards, so
 *	every worker thread may read it); milter_desc is what main() hands to
 *	smfi_register().  With log_timing, each finished message logs
 *	(debug) the time spent deciding on it: "decision_us=N".  The callbacks gather the facts a decision needs
 *	(the SASL login from {auth_authen}, the roster's record, the
 *	addresses, the size, the day's usage), ask policy.c, and turn its
 *	reply into smfi_setmlreply() and a return code.  Outside mail that is
 *	accepted is counted in the usage store at end of message.
 * DIAGNOSTICS
 *	Every refusal and temporary failure is logged with the queue id (when
 *	known), the login, the rule and the address.  When the roster or the
 *	usage store cannot be read the message is temp-failed (451 4.3.0).
 */
#ifndef SUREL_MILTER_MILTER_H
#define SUREL_MILTER_MILTER_H

#include <libmilter/mfapi.h>

#include "policy.h"

void milter_setup(const struct policy_rules *pr, int log_timing);
extern struct smfiDesc milter_desc;

#endif
