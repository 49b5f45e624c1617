-- The base environment Scribunto's Lua libraries run in, and the limits on module code.
-- Run once per page by mw2sphinx.lua.engine with (instruction limit, hook interval); returns
-- the environment, a compiler for code in it, and the limit state. What a module can reach is
-- what Scribunto's LuaStandalone engine gives it (MWServer:newEnvironment): no os (but its
-- clock and dates), no io, no debug (but traceback), no require outside modules, no
-- coroutine, no string.dump, no load, loadstring or dofile.
local limit, every = ...
local count = 0
local exceeded = nil

local real_loadstring, real_setfenv, real_getfenv = loadstring, setfenv, getfenv
local real_pcall, real_xpcall, real_error = pcall, xpcall, error
local real_unpack, real_select, real_type = unpack, select, type

local function check()
	if exceeded then
		real_error(exceeded, 0)
	end
end

debug.sethook(function ()
	count = count + every
	if count > limit then
		exceeded = exceeded or 'the time allocated for running scripts has expired'
	end
	check()
end, '', every)

local env = {}
for _, name in ipairs({
	'assert', 'error', 'getmetatable', 'ipairs', 'next', 'pairs', 'rawequal', 'rawget',
	'rawset', 'select', 'setmetatable', 'tonumber', 'type', 'unpack', '_VERSION',
	'setfenv', 'getfenv',
}) do
	env[name] = _G[name]
end
local function copy(t)
	local c = {}
	for k, v in pairs(t) do
		c[k] = v
	end
	return c
end
env.table = copy(table)
env.math = copy(math)
string.dump = nil
env.string = string
env.os = { date = os.date, difftime = os.difftime, time = os.time, clock = os.clock }
env.debug = { traceback = debug.traceback }
env._G = env

-- A module's pcall must not swallow the end of its time or of its memory.
local function passed(ok, ...)
	check()
	if not ok and (...) == 'not enough memory' then
		exceeded = 'not enough memory'
		check()
	end
	return ok, ...
end
env.pcall = function (f, ...)
	return passed(real_pcall(f, ...))
end
env.xpcall = function (f, handler)
	return passed(real_xpcall(f, handler))
end

env.tostring = function (value)
	local mt = getmetatable(value)
	if mt and mt.__tostring then
		return mt.__tostring(value)
	end
	local kind = real_type(value)
	if kind == 'number' or kind == 'string' or kind == 'boolean' or kind == 'nil' then
		return tostring(value)
	end
	return kind -- no addresses
end

local function compile(text, name)
	local chunk, message = real_loadstring(text, name)
	if not chunk then
		return nil, message
	end
	real_setfenv(chunk, env)
	return chunk, nil
end

local function used()
	return count
end

local function over()
	return exceeded
end

return env, compile, used, over
