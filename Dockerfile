# flightdeck in a container: the headless commands (status, history, the
# actions with --yes) anywhere, the dashboard with `docker run -it`.
#
#   docker build --build-arg VERSION=v1.2.3 -t flightdeck .
#   docker run --rm -it -v ~/.config/flightdeck:/home/nonroot/.config/flightdeck:ro \
#     -v ~/.aws:/home/nonroot/.aws:ro -e AWS_PROFILE flightdeck status

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
ARG DATE=
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/airside-dev/flightdeck/commands.version=${VERSION} -X github.com/airside-dev/flightdeck/commands.commit=${COMMIT} -X github.com/airside-dev/flightdeck/commands.date=${DATE}" \
      -o /out/flightdeck .

# Static binary, CA certificates and time zones, no shell; runs as the
# image's unprivileged user (uid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/flightdeck /usr/local/bin/flightdeck
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/flightdeck"]
CMD ["--help"]
