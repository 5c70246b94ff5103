"""Who may do what, in one place: platform administrators (ADMIN_IDS, and the command line on
the server), and each organisation's administrators and editors, acting only for their own
organisation (`policy`); and the audit log every privileged action is written to (`audit`)."""
