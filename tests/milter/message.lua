-- NAME
--	message.lua - send one message through surel-milter with miltertest
-- SYNOPSIS
--	miltertest -D sock=PATH|inet:PORT@HOST -D login=USER -D from=ADDR -D rcpts=A,B
--		-D hfrom=VALUE -D size=BYTES -s message.lua
-- DESCRIPTION
--	Plays what Postfix sends for one message: {auth_authen} (when login
--	is not empty) at MAIL, MAIL FROM, each RCPT TO, a From and a Subject
--	header, end of headers, SIZE bytes of body in chunks, end of message.
--	Prints one line saying where the milter stopped the message:
--	  result=refused-at-mail
--	  result=refused-at-eoh
--	  result=refused-at-eom
--	  result=accepted refused_rcpts=N
--	  result=all-rcpts-refused
--	Any protocol error makes miltertest exit non-zero.

local function must(what, err)
	if err ~= nil then
		error(what .. ": " .. err)
	end
end

-- sock is a unix socket's path, or a whole socket spec ("inet:PORT@HOST").
local where = sock
if not string.find(sock, ":") then
	where = "unix:" .. sock
end
local conn = mt.connect(where, 50, 0.1)
if conn == nil then
	error("cannot connect to " .. where)
end
if login ~= nil and login ~= "" then
	must("macro", mt.macro(conn, SMFIC_MAIL, "{auth_authen}", login))
end
must("mailfrom", mt.mailfrom(conn, from))
if mt.getreply(conn) ~= SMFIR_CONTINUE then
	print("result=refused-at-mail")
	mt.disconnect(conn)
	return
end

local accepted, refused = 0, 0
for rcpt in string.gmatch(rcpts, "[^,]+") do
	must("rcptto", mt.rcptto(conn, rcpt))
	if mt.getreply(conn) == SMFIR_CONTINUE then
		accepted = accepted + 1
	else
		refused = refused + 1
	end
end
if accepted == 0 then
	print("result=all-rcpts-refused")
	mt.disconnect(conn)
	return
end

must("header", mt.header(conn, "From", hfrom))
must("header", mt.header(conn, "Subject", "surel-milter test"))
-- surel-milter negotiates end of headers away (it checks From at end of
-- message); send it only to a filter that wants it.
if not mt.test_option(conn, SMFIP_NOEOH) then
	must("eoh", mt.eoh(conn))
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		print("result=refused-at-eoh")
		mt.disconnect(conn)
		return
	end
end

local left = tonumber(size or "100")
local line = string.rep("x", 998) .. "\r\n"
while left > 0 do
	local chunk = ""
	while left > 0 and #chunk < 60000 do
		local piece = line
		if #piece > left then
			piece = string.sub(line, 1, left)
		end
		chunk = chunk .. piece
		left = left - #piece
	end
	must("body", mt.bodystring(conn, chunk))
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		break
	end
end

must("eom", mt.eom(conn))
local r = mt.getreply(conn)
if r == SMFIR_CONTINUE or r == SMFIR_ACCEPT then
	print("result=accepted refused_rcpts=" .. refused)
else
	-- miltertest cannot show the text of a reply given at end of
	-- message; the caller reads the code in the milter's log.
	print("result=refused-at-eom")
end
mt.disconnect(conn)
