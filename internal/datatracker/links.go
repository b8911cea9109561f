package datatracker

import (
	"net/url"
	"strconv"
	"strings"
)

// LiaisonAttachURL is the Datatracker's settings.LIAISON_ATTACH_URL: liaison
// attachment files are served from here under their uploaded filename
// (NOTES §1.2; issue #7087 asks to move them into the Datatracker itself).
const LiaisonAttachURL = "https://www.ietf.org/lib/dt/documents/LIAISON/"

// StatementURL is the public page of a statement: <base>/liaison/<id>/
// (LiaisonStatement.get_absolute_url). base "" means DefaultBaseURL.
func StatementURL(base string, id int64) string {
	if base == "" {
		base = DefaultBaseURL
	}
	return strings.TrimRight(base, "/") + "/liaison/" + strconv.FormatInt(id, 10) + "/"
}

// DocumentURL is a document's Datatracker page: <base>/doc/<name>/.
func DocumentURL(base, name string) string {
	if base == "" {
		base = DefaultBaseURL
	}
	return strings.TrimRight(base, "/") + "/doc/" + url.PathEscape(name) + "/"
}

// AttachmentFileURL is LIAISON_ATTACH_URL + the uploaded filename, or "" if
// the filename is empty.
func AttachmentFileURL(uploadedFilename string) string {
	f := strings.TrimSpace(uploadedFilename)
	if f == "" {
		return ""
	}
	return LiaisonAttachURL + url.PathEscape(f)
}

// AttachmentURL is the link to show for an attachment document: the file
// (LIAISON_ATTACH_URL + uploaded_filename, which the document resource
// gives), else the document's external URL if it has one, else "" — then
// link the statement page (StatementURL), which lists its attachments.
// Attachment objects and the statement's attachments list carry only the
// document name; one Document request per attachment gives the filename.
func (d Document) AttachmentURL() string {
	if u := AttachmentFileURL(d.UploadedFilename); u != "" {
		return u
	}
	if strings.HasPrefix(d.ExternalURL, "https://") || strings.HasPrefix(d.ExternalURL, "http://") {
		return d.ExternalURL
	}
	return ""
}
