/*
 * NAME
 *	exchange_batch 3h
 * SUMMARY
 *	the "batch" mode: both spools, each compressed whole, over one SSH connection
 * SYNOPSIS
 *	#include "exchange_batch.h"
 *
 *	extern const struct exchange_ops exchange_batch_ops;
 * DESCRIPTION
 *	See exchange_batch.c.
 */
#ifndef DIALCTL_EXCHANGE_BATCH_H
#define DIALCTL_EXCHANGE_BATCH_H

#include "exchange.h"

extern const struct exchange_ops exchange_batch_ops;

#endif
