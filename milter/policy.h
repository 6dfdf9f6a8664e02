/*
 * NAME
 *	policy 3h
 * SUMMARY
 *	the school's mail rules as pure decisions, apart from libmilter
 * SYNOPSIS
 *	#include "policy.h"
 *
 *	int	policy_login(const struct policy_rules *pr,
 *			const struct policy_sender *s, struct policy_reply *out);
 *	int	policy_sender_address(const struct policy_rules *pr,
 *			const struct policy_sender *s, const char *addr,
 *			int may_send_as, const char *header, struct policy_reply *out);
 *	int	policy_anonymous_sender(const struct policy_rules *pr,
 *			const struct policy_sender *s, const char *addr,
 *			const char *header, struct policy_reply *out);
 *	int	policy_bad_header(const char *name, const char *why,
 *			struct policy_reply *out);
 *	int	policy_no_from(const struct policy_sender *s,
 *			struct policy_reply *out);
 *	int	policy_recipient(const struct policy_rules *pr,
 *			const struct policy_sender *s, const char *addr,
 *			const struct policy_usage *used, struct policy_reply *out);
 *	int	policy_message(const struct policy_rules *pr,
 *			const struct policy_sender *s, long long size,
 *			int outside, const struct policy_usage *used,
 *			struct policy_reply *out);
 *	void	policy_tempfail(struct policy_reply *out, const char *what);
 * DESCRIPTION
 *	Every decision surel-milter takes is a function here over small
 *	structs: the rules (from [policy] and [school] domain), the sender as
 *	the roster knows them, an address, and the day's usage.  Nothing here
 *	touches libmilter, SQLite or the clock, so the unit tests call these
 *	functions directly.
 *
 *	Each returns POLICY_ACCEPT, POLICY_REJECT or POLICY_TEMPFAIL and, for
 *	the last two, fills out with the SMTP code, the enhanced code of the
 *	same class, the rule's name (for the log) and the reply text that
 *	says what rule applied and what to do: in the language gettext
 *	answers in (the milter sets it from [school] language, see i18n.h)
 *	for the reply, and in English for the log.
 *
 *	Every address is first brought to the form Postfix delivers to
 *	(address.h: brackets, comments and source routes dropped, quotes
 *	undone, the domain in lower case without trailing dots), so each
 *	spelling of an address gets the verdict of its plain form.  An
 *	address is "the sender's own" when its domain is the school's and
 *	its local part, in lower case and without a +extension, is the
 *	login's username.  An address without a domain counts as the
 *	school's (Postfix completes it with a domain of this host).  Class
 *	and role lists are recognised by name: "kelas-*" and the role lists
 *	(siswa, guru, staf, admin).
 *
 *	The daily allowance of outside mail counts recipients: a message to
 *	three outside addresses uses three.  policy_recipient is given the
 *	day's usage plus the outside recipients already accepted for the
 *	message under way.
 *
 *	A domain written to look like the school's (invisible characters,
 *	other scripts' lookalike letters: lookalike.h) is the school's for
 *	the rule that mail without a login may not claim a school sender.
 *	A recipient at the school's domain whose local part is not ASCII is
 *	refused: Postfix folds Unicode case in lookups (K, long s), and no
 *	roster address has such characters.
 *
 *	The sender checks take the header the address came from ("From",
 *	"Sender", ...), or NULL for the envelope sender; the reply names it.
 * DIAGNOSTICS
 *	None; a NULL or empty address is treated as the null sender.
 */
#ifndef SUREL_POLICY_H
#define SUREL_POLICY_H

#include "roster.h"

#define POLICY_LIST_MAX 1024
#define POLICY_DOMAIN_MAX 256
#define POLICY_ADDR_MAX 512
/* A reply line is at most 512 octets (RFC 5321 4.5.3.1.5): "550 5.7.1 ",
 * the text and CRLF; longer texts are cut. */
#define POLICY_TEXT_MAX (512 - 12 + 1)

enum policy_verdict { POLICY_ACCEPT, POLICY_REJECT, POLICY_TEMPFAIL };

/* Where an address points, seen from the school. */
enum policy_addr_kind { ADDR_NULL, ADDR_OWN, ADDR_SCHOOL, ADDR_OUTSIDE, ADDR_INVALID };

/* The rules, from [school] domain and [policy]. */
struct policy_rules {
    char domain[POLICY_DOMAIN_MAX];
    int refuse_inactive;
    int send_as_groups;
    int school_sender_needs_login;
    int lists_from_outside;
    int external[ROLE_COUNT];
    long long daily_recipients[ROLE_COUNT];   /* outside recipients; 0: no limit */
    long long daily_bytes[ROLE_COUNT];        /* 0: no limit */
    long long max_size;                       /* outside mail; 0: no limit */
    char refused_classes[POLICY_LIST_MAX];    /* words, blank or comma separated */
    char allowed_classes[POLICY_LIST_MAX];
    char allowed_domains[POLICY_LIST_MAX];
    char trusted_relays[POLICY_LIST_MAX];     /* addresses, address/prefix */
};

/* Who sends: the SASL login and what the roster says about it. */
struct policy_sender {
    int authenticated;          /* Postfix passed {auth_authen} */
    int known;                  /* the login is in the roster */
    char login[POLICY_ADDR_MAX];
    struct roster_person person;
    int trusted_relay;          /* no login, but from [policy] trusted_relays */
};

/* The day's outside mail of the sender so far. */
struct policy_usage {
    long long messages;
    long long recipients;       /* outside recipients: what the allowance counts */
    long long bytes;
};

struct policy_reply {
    enum policy_verdict verdict;
    const char *rule;           /* short name for the log */
    char code[4];               /* "550" */
    char xcode[8];              /* "5.7.1" */
    char text[POLICY_TEXT_MAX]; /* the reply, in the school's language */
    char en[POLICY_TEXT_MAX];   /* the same in English, for the log */
};

int policy_login(const struct policy_rules *pr, const struct policy_sender *s,
                 struct policy_reply *out);
int policy_sender_address(const struct policy_rules *pr, const struct policy_sender *s,
                          const char *addr, int may_send_as, const char *header,
                          struct policy_reply *out);
int policy_anonymous_sender(const struct policy_rules *pr, const struct policy_sender *s,
                            const char *addr, const char *header, struct policy_reply *out);
int policy_bad_header(const char *name, const char *why, struct policy_reply *out);
int policy_too_many_senders(size_t limit, struct policy_reply *out);
int policy_no_from(const struct policy_sender *s, struct policy_reply *out);
int policy_recipient(const struct policy_rules *pr, const struct policy_sender *s,
                     const char *addr, const struct policy_usage *used,
                     struct policy_reply *out);
int policy_message(const struct policy_rules *pr, const struct policy_sender *s,
                   long long size, int outside, const struct policy_usage *used,
                   struct policy_reply *out);
void policy_tempfail(struct policy_reply *out, const char *what);

/* Helpers the milter shares with the decisions. */
enum policy_addr_kind policy_classify(const struct policy_rules *pr, const char *addr,
                                      const char *username, char *local, size_t len);
int policy_is_list(const char *local);
int policy_external_allowed(const struct policy_rules *pr, const struct roster_person *p);
int policy_word_in(const char *list, const char *word);
int policy_claims_school(const struct policy_rules *pr, const char *addr);
int policy_trusted_client(const struct policy_rules *pr, const char *client_addr);
void policy_normal_login(const struct policy_rules *pr, const char *login, char *out, size_t len);

#endif
