FROM debian:12
ENTRYPOINT ["dumb-init", "--"]
# expect: PI002
CMD python app.py; echo done
