# milter/: tern milter (libmilter callbacks, message context, edit plan).
# Depends on lua/ and lib/.
