-- Drives dockls from a real headless Neovim (0.7 API, also valid on later versions) for
-- tests/test_neovim.py: opens a Dockerfile, waits for dockls' diagnostics, asks for the code actions
-- at the first finding, applies the quick fix the test names, writes the buffer and records it all
-- as JSON. Neovim always quits at the end, also after an error, so the test never waits on a hang.
--
-- Inputs (environment):
--   DOCKLS_DOCKERFILE  the Dockerfile to open
--   DOCKLS_OUTPUT      where to write the JSON record
--   DOCKLS_FIX_RULE    the rule id of the finding to ask code actions for (e.g. "DKL001")
--   DOCKLS_FIX_SEVERITY optional: wait until that finding has this LSP severity (1-4), i.e. until
--                      the settings the client sends have reached the server
--   DOCKLS_FIX_PREFIX  the start of the title of the quick fix to apply (e.g. "Merge")
--   DOCKLS_CMD         JSON list: the server command; this script starts the client itself with
--                      vim.lsp.start_client (optional when DOCKLS_SNIPPET is given)
--   DOCKLS_ENCODING    "utf-8" to offer and use UTF-8 positions instead of UTF-16 (with DOCKLS_CMD)
--   DOCKLS_SNIPPET     a Lua file from docs/editors.md to source instead; it must start dockls
--                      for the buffer on its own (FileType autocmd, vim.lsp.enable, ...)
--   DOCKLS_IGNOREFILE  optional: an ignore file to open afterwards; its filetype, whether dockls
--                      attached and its diagnostics are recorded as well
--   DOCKLS_TIMEOUT_MS  how long each wait may take (default 20000)

local env = vim.env
local timeout_ms = tonumber(env.DOCKLS_TIMEOUT_MS) or 20000
local record = { diagnostics = {}, actions = {} }
local received = {} -- uri -> the latest diagnostics for it

-- Raw LSP diagnostics as dockls sent them, pushed (Neovim 0.7-0.9) or pulled (0.10+); the rest
-- of Neovim still sees them through the default handlers.
local function diagnostics_for(uri, diagnostics)
  local summary = {}
  for _, diagnostic in ipairs(diagnostics or {}) do
    table.insert(summary, {
      code = diagnostic.code,
      source = diagnostic.source,
      message = diagnostic.message,
      range = diagnostic.range,
      raw = diagnostic,
    })
  end
  received[uri] = summary
end

local function wrap_handler(method, diagnostics_of)
  local default = vim.lsp.handlers[method]
  vim.lsp.handlers[method] = function(err, result, ctx, config)
    if not err and result then
      diagnostics_for(result.uri or ctx.params.textDocument.uri, diagnostics_of(result))
    end
    if default then
      return default(err, result, ctx, config)
    end
  end
end

wrap_handler('textDocument/publishDiagnostics', function(result) return result.diagnostics end)
wrap_handler('textDocument/diagnostic', function(result) return result.items end)

local function wait_for(what, condition)
  if not vim.wait(timeout_ms, condition, 50) then
    error('timed out after ' .. timeout_ms .. ' ms waiting for ' .. what)
  end
end

local function dockls_client(bufnr)
  if vim.lsp.get_clients then -- 0.10+; buf_get_clients is deprecated there
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'dockls' })[1]
  end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == 'dockls' then
      return client
    end
  end
  return nil
end

-- Client methods take self from 0.11 on (the dot form is deprecated there).
local function request_sync(client, method, params, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

local function start_client_directly()
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  local config = {
    name = 'dockls',
    cmd = vim.fn.json_decode(env.DOCKLS_CMD),
    root_dir = vim.fn.fnamemodify(env.DOCKLS_DOCKERFILE, ':p:h'),
    capabilities = capabilities,
  }
  if env.DOCKLS_ENCODING == 'utf-8' then
    capabilities.general = { positionEncodings = { 'utf-8' } }
    config.offset_encoding = 'utf-8'
  end
  local client_id = vim.lsp.start_client(config)
  assert(client_id, 'vim.lsp.start_client failed')
  vim.cmd('edit ' .. vim.fn.fnameescape(env.DOCKLS_DOCKERFILE))
  assert(vim.lsp.buf_attach_client(0, client_id), 'vim.lsp.buf_attach_client failed')
end

local function main()
  vim.cmd('filetype on')
  if env.DOCKLS_SNIPPET and env.DOCKLS_SNIPPET ~= '' then
    vim.cmd('luafile ' .. vim.fn.fnameescape(env.DOCKLS_SNIPPET))
    vim.cmd('edit ' .. vim.fn.fnameescape(env.DOCKLS_DOCKERFILE))
  else
    start_client_directly()
  end
  local bufnr = vim.api.nvim_get_current_buf()
  record.filetype = vim.bo[bufnr].filetype

  wait_for('the dockls client to attach', function() return dockls_client(bufnr) ~= nil end)
  local client = dockls_client(bufnr)
  wait_for('dockls to initialize', function() return client.initialized end)
  record.offset_encoding = client.offset_encoding
  record.root_dir = client.config.root_dir
  record.nvim_version = tostring(vim.version().major) .. '.' .. tostring(vim.version().minor)
  local uri = vim.uri_from_bufnr(bufnr)
  local wanted_severity = tonumber(env.DOCKLS_FIX_SEVERITY)
  local finding = nil
  wait_for(env.DOCKLS_FIX_RULE .. ' diagnostic', function()
    for _, diagnostic in ipairs(received[uri] or {}) do
      if diagnostic.code == env.DOCKLS_FIX_RULE
          and (wanted_severity == nil or diagnostic.raw.severity == wanted_severity) then
        finding = diagnostic
        return true
      end
    end
    return false
  end)
  record.diagnostics = received[uri]
  local response = request_sync(client, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = finding.range,
    context = { diagnostics = { finding.raw }, only = { 'quickfix' } },
  }, bufnr)
  assert(response and not response.err, 'textDocument/codeAction failed: ' .. vim.inspect(response))

  local chosen = nil
  for _, action in ipairs(response.result or {}) do
    table.insert(record.actions, { title = action.title, kind = action.kind, isPreferred = action.isPreferred })
    if chosen == nil and vim.startswith(action.title, env.DOCKLS_FIX_PREFIX) then
      chosen = action
    end
  end
  assert(chosen, 'no code action titled ' .. env.DOCKLS_FIX_PREFIX .. '...')
  if chosen.edit == nil then
    local resolved = request_sync(client, 'codeAction/resolve', chosen, bufnr)
    assert(resolved and resolved.result, 'codeAction/resolve failed: ' .. vim.inspect(resolved))
    chosen = resolved.result
  end
  record.applied = chosen.title
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  vim.cmd('write')
  record.text = table.concat(vim.fn.readfile(env.DOCKLS_DOCKERFILE, 'b'), '\n')

  if env.DOCKLS_IGNOREFILE and env.DOCKLS_IGNOREFILE ~= '' then
    vim.cmd('edit ' .. vim.fn.fnameescape(env.DOCKLS_IGNOREFILE))
    local ignore_bufnr = vim.api.nvim_get_current_buf()
    local ignore_uri = vim.uri_from_bufnr(ignore_bufnr)
    record.ignorefile = { filetype = vim.bo[ignore_bufnr].filetype }
    wait_for('dockls to attach to the ignore file', function() return dockls_client(ignore_bufnr) ~= nil end)
    wait_for('ignore file diagnostics', function() return received[ignore_uri] ~= nil end)
    record.ignorefile.diagnostics = received[ignore_uri]
  end
end

local ok, failure = xpcall(main, debug.traceback)
if not ok then
  record.error = failure
end
local output = io.open(env.DOCKLS_OUTPUT, 'w')
output:write(vim.fn.json_encode(record))
output:close()
vim.cmd('qa!')
