FROM debian:12
ENV PYINIT_GRACE=5
ENTRYPOINT ["pyinit"]
CMD python app.py && echo done
