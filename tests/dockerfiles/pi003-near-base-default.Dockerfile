FROM nginx:1.27
# Neither ENTRYPOINT nor CMD: the base image decides, nothing to check.
COPY site/ /usr/share/nginx/html/
