local M = {}
function M.x( return M
