/* SPDX-License-Identifier: MIT */
/*
 * src/http/mime_table.c - the built-in Content-Types (mime.h). Sorted by
 * extension for binary search (tests/http-mime.c checks the order).
 * Types follow the IANA registry and current browser practice: JavaScript
 * is text/javascript (RFC 9239), fonts are font/ (RFC 8081), .ico is
 * image/x-icon because that is what browsers and nginx use.
 */
#include "mime_int.h"

#define UTF8 "; charset=utf-8"

const struct http_mime_ent http__mime_builtin[] = {
	{ "7z", "application/x-7z-compressed" },
	{ "atom", "application/atom+xml" UTF8 },
	{ "avif", "image/avif" },
	{ "bmp", "image/bmp" },
	{ "bz2", "application/x-bzip2" },
	{ "css", "text/css" UTF8 },
	{ "csv", "text/csv" UTF8 },
	{ "eot", "application/vnd.ms-fontobject" },
	{ "epub", "application/epub+zip" },
	{ "flac", "audio/flac" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "htm", "text/html" UTF8 },
	{ "html", "text/html" UTF8 },
	{ "ico", "image/x-icon" },
	{ "ics", "text/calendar" UTF8 },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript" UTF8 },
	{ "json", "application/json" UTF8 },
	{ "jsonld", "application/ld+json" UTF8 },
	{ "m4a", "audio/mp4" },
	{ "map", "application/json" UTF8 },
	{ "md", "text/markdown" UTF8 },
	{ "mjs", "text/javascript" UTF8 },
	{ "mov", "video/quicktime" },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "oga", "audio/ogg" },
	{ "ogg", "audio/ogg" },
	{ "ogv", "video/ogg" },
	{ "opus", "audio/ogg" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "rss", "application/rss+xml" UTF8 },
	{ "svg", "image/svg+xml" UTF8 },
	{ "tar", "application/x-tar" },
	{ "tgz", "application/gzip" },
	{ "tif", "image/tiff" },
	{ "tiff", "image/tiff" },
	{ "tsv", "text/tab-separated-values" UTF8 },
	{ "ttf", "font/ttf" },
	{ "txt", "text/plain" UTF8 },
	{ "wasm", "application/wasm" },
	{ "wav", "audio/wav" },
	{ "webm", "video/webm" },
	{ "webmanifest", "application/manifest+json" UTF8 },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xhtml", "application/xhtml+xml" UTF8 },
	{ "xml", "application/xml" UTF8 },
	{ "xz", "application/x-xz" },
	{ "yaml", "application/yaml" },
	{ "yml", "application/yaml" },
	{ "zip", "application/zip" },
	{ "zst", "application/zstd" },
};

const unsigned int http__mime_nr_builtin =
	sizeof(http__mime_builtin) / sizeof(http__mime_builtin[0]);
