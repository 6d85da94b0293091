<?php
/*
 * Router for PHP's built-in server in front of Debian's WordPress: what Apache's
 * SetEnv WORDPRESS_CONFIG and the rewrite rules in /etc/wordpress/htaccess do.
 * Existing static files are served as they are; existing PHP files (wp-login.php,
 * wp-admin/...) run; every other path goes to index.php (pretty permalinks).
 * Started as `php -S 127.0.0.1:<port> -t /usr/share/wordpress router.php` with
 * GH_WORDPRESS_CONFIG naming /etc/wordpress/config-<name>.php.
 */
$_SERVER['WORDPRESS_CONFIG'] = getenv('GH_WORDPRESS_CONFIG');

$root = rtrim($_SERVER['DOCUMENT_ROOT'], '/');
$path = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');
$file = realpath($root . $path);
if ($file !== false && is_dir($file) && is_file($file . '/index.php')) {
    $file .= '/index.php';
}
$inside = $file !== false && str_starts_with($file, $root . '/');

if ($inside && is_file($file) && !str_ends_with($file, '.php')) {
    return false;
}
if (!$inside || !is_file($file)) {
    $file = $root . '/index.php';
}
// The server set these for the router; the script that runs is another one.
$_SERVER['SCRIPT_FILENAME'] = $file;
$_SERVER['SCRIPT_NAME'] = $_SERVER['PHP_SELF'] = substr($file, strlen($root));
chdir(dirname($file));
require $file;
