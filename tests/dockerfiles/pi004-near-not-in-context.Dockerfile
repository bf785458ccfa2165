FROM postgres:16
# docker-entrypoint.sh comes from the base image, not the build context: not read.
# expect: PI003
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
