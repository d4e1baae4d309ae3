# contrib/: sample data, the local demo, deployment examples.
EXTRA_DIST += contrib/README.md contrib/demo/demo.sh contrib/sample/contacts.csv \
	contrib/sample/newsletter.eml contrib/systemd/tern-engine@.service
